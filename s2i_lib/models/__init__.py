"""Networks: the speech encoder, the image teachers, the text encoder and StackGAN-v2 G and D."""
