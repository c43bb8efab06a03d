package io.caestream.scoring;

/** Bounding box of the worst-reconstructed connected area, in model-input pixels, and its share of the image. */
public record Region(int x, int y, int width, int height, double areaPct) {}
