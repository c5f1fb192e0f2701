"""Losses: the teacher-student loss of the speech encoder (paper Eq. 6-9) and StackGAN-v2's GAN losses."""
from .stackgan import discriminator_loss, generator_loss, kl_loss
from .tsl import TSLConfig, teacher_student_loss

__all__ = ["TSLConfig", "teacher_student_loss", "discriminator_loss", "generator_loss", "kl_loss"]
