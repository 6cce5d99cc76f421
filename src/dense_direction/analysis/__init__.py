"""From direction fields to answers: statistics, per-object measurements, tracing, tables.

Pure NumPy/SciPy/scikit-image (``skan`` for the skeleton graph, ``pandas`` for tables); no
OpenMMLab. Angles are radians in [0, π), counter-clockwise from x with y up (the package
convention); tables written by :func:`analyze_many` are in degrees and the chosen units.

* :mod:`.field`: axial statistics (order parameter, mean direction, dispersion, histogram,
  AFT-style order over neighbourhood sizes) and the misorientation map.
* :mod:`.objects`: skeleton graph, smoothed centre-lines, per-branch and per-object geometry.
* :mod:`.tracing`: streamlines through the field; GeoJSON and GraphML export.
* :mod:`.report`: one image (:func:`analyze_image`), options and units, plots, a whole run.
"""

from dense_direction.analysis.field import (
    FieldStatistics,
    axial_histogram,
    field_statistics,
    grouped_statistics,
    misorientation_map,
    order_parameter_by_size,
)
from dense_direction.analysis.objects import (
    SkeletonGraph,
    measure_branches,
    measure_objects,
    skeleton_graph,
    smooth_centerline,
)
from dense_direction.analysis.report import (
    AnalysisOptions,
    ImageAnalysis,
    ImageInputs,
    analyze_image,
    analyze_many,
    convert_table,
    to_degrees,
)
from dense_direction.analysis.tracing import (
    geojson_lines,
    grid_seeds,
    skeleton_seeds,
    trace_streamlines,
    write_graphml,
)

__all__ = [
    "AnalysisOptions",
    "FieldStatistics",
    "ImageAnalysis",
    "ImageInputs",
    "SkeletonGraph",
    "analyze_image",
    "analyze_many",
    "axial_histogram",
    "convert_table",
    "field_statistics",
    "geojson_lines",
    "grid_seeds",
    "grouped_statistics",
    "measure_branches",
    "measure_objects",
    "misorientation_map",
    "order_parameter_by_size",
    "skeleton_graph",
    "skeleton_seeds",
    "smooth_centerline",
    "to_degrees",
    "trace_streamlines",
    "write_graphml",
]
