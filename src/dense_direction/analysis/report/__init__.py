"""One image's analysis, options and units, pictures, and a run over many images."""

from dense_direction.analysis.report.image import ImageAnalysis, analyze_image
from dense_direction.analysis.report.options import AnalysisOptions, convert_table, to_degrees
from dense_direction.analysis.report.writer import ImageInputs, analyze_many

__all__ = [
    "AnalysisOptions",
    "ImageAnalysis",
    "ImageInputs",
    "analyze_image",
    "analyze_many",
    "convert_table",
    "to_degrees",
]
