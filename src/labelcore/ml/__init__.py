"""Machine-learning models: in-process predictors and Label Studio ML backends.

from labelcore.ml import MLManager
ml = MLManager(core); ml.register_predictor(project.id, MyModel())
job = ml.retrieve_predictions(project.id)          # validated predictions, as a job
"""

from __future__ import annotations

from labelcore.ml.client import HTTPPredictor, MLBackendClient, MLBackendError, PredictResponse
from labelcore.ml.manager import MLManager, PredictionRun, attach
from labelcore.ml.predictor import (
    PredictionProblem,
    Predictor,
    Rejected,
    Trainable,
    accepts_context,
    prediction_score,
    validate_predictions,
)
from labelcore.ml.registry import BackendRegistry, MLBackend, project_uid

__all__ = [
    "BackendRegistry",
    "HTTPPredictor",
    "MLBackend",
    "MLBackendClient",
    "MLBackendError",
    "MLManager",
    "PredictResponse",
    "PredictionProblem",
    "PredictionRun",
    "Predictor",
    "Rejected",
    "Trainable",
    "accepts_context",
    "attach",
    "prediction_score",
    "project_uid",
    "validate_predictions",
]
