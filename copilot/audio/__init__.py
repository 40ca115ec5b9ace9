"""Audio building blocks: resampling, file decoding, VAD segmentation, ASR, streaming, devices."""
