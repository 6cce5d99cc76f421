"""What starting a ``dense-direction`` command costs: heavy libraries load only for the commands
that use them (checked in a fresh Python, as a user's command starts)."""

from helpers import modules_after


def test_the_command_line_loads_no_analysis_stack():
    # Building the parser of every subcommand, as each command does first: the analysis'
    # pandas, matplotlib and skan (about 0.45 s) wait for `analyze` to run.
    loaded = modules_after(
        """
        from dense_direction.cli.main import build_parser
        build_parser().parse_args(["analyze", "--predictions", "p", "--out", "o"])
        """
    )
    assert "dense_direction" in loaded
    assert not {"pandas", "matplotlib", "skan"} & loaded


def test_the_analysis_api_still_offers_every_name():
    import dense_direction.analysis as analysis

    assert len(analysis.__all__) == 23
    for name in analysis.__all__:
        assert getattr(analysis, name).__name__ == name


def test_predict_with_the_bundled_model_loads_no_scipy(tmp_path):
    # OpenCV gives predict its distance transform, Gaussian and dilation; importing SciPy's
    # ndimage would add 0.2 s to every run (docs/benchmarks.md). The image has wide and thin
    # structure, so the width-adaptive smoothing runs (on pyramid levels: bilinear samples).
    image = tmp_path / "bars.png"
    loaded = modules_after(
        f"""
        import numpy as np
        from PIL import Image
        rgb = np.full((160, 200, 3), 200, np.uint8)
        rgb[40:80, :] = 40      # a dark road 40 px wide
        rgb[:, 120:123] = 40    # and a thin crack across it
        Image.fromarray(rgb).save({str(image)!r})
        from dense_direction.cli.main import main
        main(["predict", "--input", {str(image)!r}, "--out", {str(tmp_path / "out")!r},
              "--no-tta"])
        """
    )
    assert (tmp_path / "out" / "bars_angles.npy").is_file()
    assert "torch" in loaded and "scipy" not in loaded


def test_a_command_builds_only_its_own_parser_and_help_lists_every_command():
    from dense_direction.cli.main import build_parser

    chosen = build_parser("predict")._subparsers._group_actions[0].choices
    assert list(chosen) == ["predict"]
    every = build_parser("--help")._subparsers._group_actions[0].choices
    assert list(every) == ["synth", "train", "predict", "evaluate", "demo", "analyze"]
