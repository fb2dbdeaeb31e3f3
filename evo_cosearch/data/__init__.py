"""Datasets held in memory as tensors: the embedded digits, (Fashion-)MNIST, CIFAR-10, ImageFolder."""

from evo_cosearch.data.identity import data_identity, data_mismatch
from evo_cosearch.data.load import DATASET_OPTIONS, load_dataset
from evo_cosearch.data.splits import Splits, make_splits

__all__ = ["DATASET_OPTIONS", "Splits", "data_identity", "data_mismatch", "load_dataset", "make_splits"]
