"""The study's stages as a few calls each, every output in a keyed run folder (`runs`). Notebooks and the
command line (`python -m s2i_lib`) call these:

- `teacher_stage`: the teacher's view features of both splits; `teacher_probe` compares the options on
  validation classes;
- `build_system` (one of `SYSTEMS`): an encoder trained and its caption embeddings exported; `load_embeddings`
  finds them again, `caption_indices` names the caption behind each; `transcripts_stage` / `wer_by_voice` for
  the two-stage system; `initial_gradient_balance`;
- `gan_run`, `train_gan_run`, `trained_generator`, `generate` and `generate_test_images`; `attribute_scorer`,
  `condition_following`, `spoken_targets` for the built-in data set;
- `measure_system` (each system's GAN trained and evaluated by `evaluate_gan`), `real_reference`,
  `real_test_images`, `mean_over_seeds`, `table2_rows`, `claim_rows`: Table II (written by `report.write_table`);
- `degraded_speech`, `degraded_transcripts`, `measure_standin`, `standin_rows`, `standin_claims`: Table III's
  offline stand-in (held-out voices in noise and reverberation, not real speech); `table3_rows`,
  `table3_claims`: Table III on Places audio captions;
- `train_variant`, `test_retrieval`, `gradient_rows`, `weight_sweep`, `table4_rows`, `table4_claims`: Table IV
  (loss ablation); `scale_sizes`, `table5_rows`, `table5_claims`: Table V (scales, through `measure_system`);
- `figure3_rows`, `figure3`, `interpolation_images`, `contrasting_pairs`, `interpolation_monotonicity`,
  `training_logs`: Figures 3 and 5 and the training curves;
- `runs_table` / `list_runs`: what exists.
"""
from ..generate import generate
from .encoders import gradient_balance, initial_gradient_balance
from .evaluate import evaluate_gan, real_reference, real_test_images
from .gan import (attribute_scorer, condition_following, gan_run, generate_test_images, spoken_targets,
                  train_gan_run, trained_generator)
from .robustness import (STANDIN, STANDIN_SYSTEMS, degraded_speech, degraded_transcripts, measure_standin,
                         standin_claims, standin_rows)
from .runs import list_runs, runs_table
from .systems import SYSTEMS, build_system, caption_indices, load_embeddings
from .table2 import SYSTEM_LABELS, claim_rows, mean_over_seeds, measure_system, table2_rows
from .table3 import TABLE3_SYSTEMS, table3_claims, table3_rows
from .table4 import (LOSS_VARIANTS, VARIANT_LABELS, gradient_rows, table4_claims, table4_rows, test_retrieval,
                     train_variant, weight_sweep)
from .table5 import SCALES, scale_sizes, table5_claims, table5_rows
from .figures import (contrasting_pairs, figure3, figure3_rows, interpolation_images, interpolation_monotonicity,
                      training_logs)
from .teacher import teacher_probe, teacher_stage
from .transcripts import transcripts_stage, wer_by_voice

__all__ = ["generate", "gradient_balance", "initial_gradient_balance", "attribute_scorer", "condition_following", "gan_run",
           "generate_test_images", "spoken_targets", "train_gan_run", "trained_generator", "list_runs", "runs_table",
           "SYSTEMS", "build_system", "caption_indices", "load_embeddings", "teacher_probe", "teacher_stage", "transcripts_stage", "wer_by_voice",
           "evaluate_gan", "real_reference", "real_test_images", "claim_rows", "mean_over_seeds",
           "measure_system", "table2_rows", "SYSTEM_LABELS", "STANDIN", "STANDIN_SYSTEMS",
           "degraded_speech", "degraded_transcripts", "measure_standin", "standin_claims", "standin_rows",
           "TABLE3_SYSTEMS", "table3_claims", "table3_rows", "LOSS_VARIANTS", "VARIANT_LABELS", "gradient_rows",
           "table4_claims", "table4_rows", "test_retrieval", "train_variant", "weight_sweep", "SCALES", "scale_sizes",
           "table5_claims", "table5_rows", "contrasting_pairs", "figure3", "figure3_rows", "interpolation_images",
           "interpolation_monotonicity", "training_logs"]
