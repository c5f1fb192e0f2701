"""The study's stages as a few calls each (teacher features, encoders, transcripts, embeddings, GAN), every
output in a keyed run folder (`runs`). Notebooks and the command line (`python -m s2i_lib`) call these."""
