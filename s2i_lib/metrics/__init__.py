"""Metrics: FID/KID, Inception score, attribute accuracy, retrieval, WER."""
from s2i_lib.metrics.fid import (FID_LABEL, FIDInception, feature_statistics, fid_features, fid_from_features,
                                 frechet_distance, real_statistics)
from s2i_lib.metrics.inception_score import (SCORE_LABEL, class_probabilities, classifier_accuracy,
                                             fine_tune_classifier, inception_score)
from s2i_lib.metrics.kid import KIDResult, kid
from s2i_lib.metrics.attributes import readability_rows
from s2i_lib.metrics.probe import attribute_probe
from s2i_lib.metrics.retrieval import encoder_retrieval, retrieval_estimates, retrieval_table, speech_class_accuracy
from s2i_lib.metrics.semantic import r_precision, recall_at_k, spoken_attribute_accuracy, spoken_attributes

__all__ = ["FID_LABEL", "FIDInception", "feature_statistics", "fid_features", "fid_from_features",
           "frechet_distance", "real_statistics", "SCORE_LABEL", "class_probabilities", "classifier_accuracy",
           "fine_tune_classifier", "inception_score", "KIDResult", "kid", "r_precision", "recall_at_k",
           "spoken_attribute_accuracy", "spoken_attributes", "readability_rows", "attribute_probe", "encoder_retrieval", "retrieval_estimates", "retrieval_table",
           "speech_class_accuracy"]
