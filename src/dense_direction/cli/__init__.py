"""The ``dense-direction`` command: the jobs people do without writing configs."""
