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
