/**
 * Training of the Fashion-MNIST CNNs ({@link org.mixquant.train.CnnTrainer} following a
 * {@link org.mixquant.train.TrainConfig}) with DJL autograd on the PyTorch engine: the source of the kept
 * weights {@code resnet20-fashion} and {@code mobilenetv2-fashion}, reproduced by {@code mixquant train}.
 * Depends on {@code data}, {@code model} and {@code tensor}.
 */
package org.mixquant.train;
