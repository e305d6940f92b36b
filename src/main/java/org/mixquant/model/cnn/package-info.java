/**
 * Fashion-MNIST CNNs written with DJL operations on the PyTorch engine (fully offline, see
 * {@link org.mixquant.model.Djl}): a CIFAR-style ResNet-20 and a small MobileNetV2
 * ({@link org.mixquant.model.cnn.CnnNetwork}), their weights in a small checksummed file format
 * ({@link org.mixquant.model.cnn.CnnWeights}), BatchNorm folding ({@link org.mixquant.model.cnn.BnFolding}), the
 * quantizable view ({@link org.mixquant.model.cnn.CnnModel}: every convolution and the classifier a layer with
 * output-channel axis 0), inference ({@link org.mixquant.model.cnn.CnnRunner}), the kept models
 * {@code resnet20-fashion} and {@code mobilenetv2-fashion} ({@link org.mixquant.model.cnn.CnnModels}) with their JSON
 * cards ({@link org.mixquant.model.cnn.ModelCard}). Training lives in {@code org.mixquant.train}. {@link org.mixquant.model.cnn.ImageBatches} turns {@code data}'s
 * images into DJL arrays. Depends on {@code tensor}, {@code data} and {@code model}. {@code tools/cnn/torch_cnn.py} is an independent PyTorch implementation used as a test oracle.
 */
package org.mixquant.model.cnn;
