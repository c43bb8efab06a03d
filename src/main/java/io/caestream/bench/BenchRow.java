package io.caestream.bench;

/** One measured stage at one batch size. Latencies are per image (raw: per batch run). */
public record BenchRow(String stage, int batch, double imagesPerSec, double ratioToRaw, double p50Ms,
    double p99Ms, long images, double seconds) {}
