"""The study's keyed runs, each a few calls, every output in a keyed run folder (`runs`):

- `teacher_stage`: the teacher's view features of both splits; `teacher_probe` compares the options on
  validation classes;
- `System`: one system of one request (its embeddings run, the GAN it feeds, the caption behind each embedding);
  `build_system` trains its encoder and exports its caption embeddings (`build_systems`: one training seed's),
  `System.load` finds them again;
  `transcripts_stage` / `wer_by_voice` for the two-stage system; `initial_gradient_balance`;
- `gan_run`, `train_gan_run`, `trained_generator`, `generate` and `generate_test_images`; `attribute_scorer`,
  `condition_following`, `spoken_targets` for the built-in data set;
- `evaluate_gan`, `real_reference`, `real_test_images`; `measure_system` (a GAN trained and evaluated) and
  `measure_all` (the one loop over a table's GANs);
- `degraded_speech`, `degraded_transcripts`, `measure_standin`: Table III's offline stand-in (not real speech);
- `train_variant`, `test_retrieval`, `gradient_rows`, `weight_sweep`: Table IV's encoder side;
- `runs_table` / `list_runs`: what exists.
The tables are assembled from these by `s2i_lib.study`.
"""
from ..generate import generate
from .ablation import LOSS_VARIANTS, gradient_rows, test_retrieval, train_variant, weight_sweep
from .degraded import STANDIN, STANDIN_SYSTEMS, degraded_speech, degraded_transcripts, measure_standin
from .encoders import gradient_balance, initial_gradient_balance
from .evaluate import evaluate_gan, real_reference, real_test_images
from .gan import (attribute_scorer, condition_following, gan_run, generate_test_images, spoken_targets,
                  train_gan_run, trained_generator)
from .measure import SystemResult, measure_all, measure_system
from .runs import list_runs, runs_table
from .systems import SYSTEMS, System, build_system, build_systems
from .teacher import teacher_probe, teacher_stage
from .transcripts import transcripts_stage, wer_by_voice

__all__ = ["generate", "LOSS_VARIANTS", "gradient_rows", "test_retrieval", "train_variant", "weight_sweep",
           "STANDIN", "STANDIN_SYSTEMS", "degraded_speech", "degraded_transcripts", "measure_standin",
           "gradient_balance", "initial_gradient_balance", "evaluate_gan", "real_reference", "real_test_images",
           "attribute_scorer", "condition_following", "gan_run", "generate_test_images", "spoken_targets",
           "train_gan_run", "trained_generator", "SystemResult", "measure_all", "measure_system", "list_runs",
           "runs_table", "SYSTEMS", "System", "build_system", "build_systems", "teacher_probe", "teacher_stage", "transcripts_stage",
           "wer_by_voice"]
