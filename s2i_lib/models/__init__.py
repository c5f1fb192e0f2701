"""Networks: the speech encoder (and, as they land, the image teachers, text encoder and StackGAN-v2)."""
