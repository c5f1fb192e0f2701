"""The study's report: the measures and their direction (`measures`), the one claim reader (`claims`), every
cited paper number (`cited`), per-seed results files and their combination (`seeds`) and the one table writer
with the run details (`tables`)."""
from .cited import cited, cited_table3, paper_dataset
from .claims import provisional_mark, read_claims, read_seed_claims, versus
from .measures import GAN_MEASURES, RETRIEVAL_MEASURES, STANDIN_MEASURES, Measure, cells, measure
from .seeds import SeedResults, combine, paired, read_seeds, seed_folder, write_seed
from .tables import HOST_SPEED, Table, host_columns, host_speed, machine, versions, write_table

__all__ = ["cited", "cited_table3", "paper_dataset", "provisional_mark", "read_claims", "read_seed_claims", "versus",
           "SeedResults", "combine", "paired", "read_seeds", "seed_folder", "write_seed",
           "GAN_MEASURES", "RETRIEVAL_MEASURES", "STANDIN_MEASURES", "Measure", "cells", "measure",
           "HOST_SPEED", "Table", "host_columns", "host_speed", "machine", "versions", "write_table"]
