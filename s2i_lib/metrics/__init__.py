"""Metrics: FID/KID, Inception score, attribute accuracy, retrieval, WER."""
