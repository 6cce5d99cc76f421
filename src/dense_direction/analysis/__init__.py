"""From direction fields to answers: statistics, per-object measurements, tracing, tables.

Pure NumPy/SciPy/scikit-image (``skan`` for the skeleton graph, ``pandas`` for tables); no
OpenMMLab. Angles are radians in [0, π), counter-clockwise from x with y up (the package
convention); tables written by :func:`analyze_many` are in degrees and the chosen units.

* :mod:`.field`: axial statistics (order parameter, mean direction, dispersion, histogram,
  AFT-style order over neighbourhood sizes) and the misorientation map.
* :mod:`.objects`: skeleton graph, smoothed centre-lines, per-branch and per-object geometry.
* :mod:`.tracing`: streamlines through the field; GeoJSON and GraphML export.
* :mod:`.report`: one image (:func:`analyze_image`), options and units, plots, a whole run.

Submodules load on first use of a name (``lazy_loader``, as scikit-image does): a command that
never analyses, such as ``dense-direction predict``, does not pay for pandas, matplotlib and
skan at start-up.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "field": [
            "FieldStatistics",
            "axial_histogram",
            "field_statistics",
            "grouped_statistics",
            "misorientation_map",
            "order_parameter_by_size",
        ],
        "objects": [
            "SkeletonGraph",
            "measure_branches",
            "measure_objects",
            "skeleton_graph",
            "smooth_centerline",
        ],
        "conventions": ["to_degrees"],
        "report.image": ["ImageAnalysis", "analyze_image"],
        "report.options": ["AnalysisOptions", "convert_table"],
        "report.writer": ["ImageInputs", "analyze_many"],
        "tracing": [
            "geojson_lines",
            "grid_seeds",
            "skeleton_seeds",
            "trace_streamlines",
            "write_graphml",
        ],
    },
)
