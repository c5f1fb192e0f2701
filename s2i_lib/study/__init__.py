"""The paper's tables and figures, each assembled from the keyed runs (`s2i_lib.pipeline`) and the report
(`s2i_lib.report`) by one call that returns its rows, the paper's claims read on them and the run details
(a `report.Table`, written by `Table.write`):

- `table2` (every system over training seeds, each seed's files then the combined table; GAN seeds per system:
  `seeds_per_system`; `combine_table2`: the committed seeds alone), `same_caption_grid`;
- `table3` on Places audio captions; `table3_standin` (the offline stand-in, not real speech), `standin_curves`,
  `standin_grid`;
- `variant_encoders` and `table4` (the loss ablation), `labelled`, `estimate_rows`, `variants_grid`;
- `table5` (the image scales), `scale_sizes`, `scales_grid`;
- `figure3_rows`, `figure3`, `interpolation_images`, `contrasting_pairs`, `interpolation_monotonicity`,
  `training_logs`: Figures 3 and 5 and the training curves.
"""
from .figures import (contrasting_pairs, figure3, figure3_rows, interpolation_images, interpolation_monotonicity,
                      training_logs)
from .measured import Measured, SeededTable
from .standin import STANDIN_LABELS, standin_curves, standin_grid, table3_standin
from .table2 import SYSTEM_LABELS, combine_table2, mean_over_seeds, same_caption_grid, seeds_per_system, table2
from .table3 import TABLE3_SYSTEMS, table3
from .table4 import VARIANT_LABELS, estimate_rows, labelled, table4, variant_encoders, variants_grid
from .table5 import SCALES, scale_sizes, scales_grid, table5

__all__ = ["contrasting_pairs", "figure3", "figure3_rows", "interpolation_images", "interpolation_monotonicity",
           "training_logs", "STANDIN_LABELS", "standin_curves", "standin_grid", "table3_standin", "SYSTEM_LABELS",
           "Measured", "SeededTable", "combine_table2", "mean_over_seeds", "same_caption_grid", "seeds_per_system", "table2", "TABLE3_SYSTEMS", "table3",
           "VARIANT_LABELS", "estimate_rows", "labelled", "table4", "variant_encoders", "variants_grid", "SCALES",
           "scale_sizes", "scales_grid", "table5"]
