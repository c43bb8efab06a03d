"""Training and ONNX export of the cae-stream Convolutional AutoEncoder (see /DESIGN.md)."""
