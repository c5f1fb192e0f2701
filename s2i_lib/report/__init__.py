"""The study's report: the measures and their direction (`measures`), the one claim reader (`claims`), every
cited paper number (`cited`) and the one table writer with the run details (`tables`)."""
from .cited import cited, cited_table3, paper_dataset
from .claims import read_claims, versus
from .measures import GAN_MEASURES, RETRIEVAL_MEASURES, STANDIN_MEASURES, Measure, cells, measure, suffixed
from .tables import Table, machine, versions, write_table

__all__ = ["cited", "cited_table3", "paper_dataset", "read_claims", "versus",
           "GAN_MEASURES", "RETRIEVAL_MEASURES", "STANDIN_MEASURES", "Measure", "cells", "measure", "suffixed",
           "Table", "machine", "versions", "write_table"]
