"""The `study`: which technique helps on this small dataset."""

from keras_smalldata.study.load_data import StudyData, check_per_class, load_study_data
from keras_smalldata.study.report import (
    deep_vs_traditional,
    learning_curve_figure,
    summarize,
    winners,
    write_report,
)
from keras_smalldata.study.run_study import run_study

__all__ = [
    "StudyData",
    "check_per_class",
    "deep_vs_traditional",
    "learning_curve_figure",
    "load_study_data",
    "run_study",
    "summarize",
    "winners",
    "write_report",
]
