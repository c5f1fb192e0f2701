"""s2i_lib: a thin, tested library for reproducing "Direct Speech-to-Image Translation" (Li et al., 2020)."""

__version__ = "0.1.0"
