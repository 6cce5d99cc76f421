"""From raw network output to a prediction (dense_direction.prediction), without a network."""

import json
import math

import numpy as np
import pytest

from dense_direction.prediction import class_probability, coherence, finish_prediction


def _pairs(angle: float, shape=(2, 9, 11)) -> np.ndarray:
    # The package's encoding (dense_direction.directions): theta -> (-cos 2theta, -sin 2theta).
    field = np.empty((1, *shape), np.float32)
    field[0, 0], field[0, 1] = -math.cos(2 * angle), -math.sin(2 * angle)
    return field


@pytest.mark.parametrize("angle", [0.0, 0.3, math.pi / 2, 2.9])
def test_vectors_become_their_angle_and_the_structure_is_the_confidence(angle):
    structure = np.full((1, 9, 11), 0.8, np.float32)
    result = finish_prediction(_pairs(angle), structure, (1,), smooth=0)
    assert result.angles.dtype == np.float32 and result.dir_classes == (1,)
    assert np.allclose(result.angles, angle, atol=1e-5)
    assert result.confidence is not structure and np.array_equal(result.confidence, structure)


def test_without_a_structure_the_confidence_is_the_fields_coherence():
    # A uniform field: every unit vector equal, so the mean unit vector has length 1.
    result = finish_prediction(_pairs(0.7), None, (1,), smooth=0)
    assert result.structure is None and np.allclose(result.confidence, 1.0, atol=1e-5)
    # Random directions: the mean of n = 49 random unit vectors has length ~ 1/sqrt(49).
    rng = np.random.default_rng(0)
    theta = rng.uniform(0, 2 * np.pi, (60, 60))
    random = coherence(np.stack([np.cos(theta), np.sin(theta)]))
    assert random[10:-10, 10:-10].mean() < 0.25


def test_smoothing_straightens_a_noisy_wide_band():
    # A 20-px band whose direction is 0.4 rad, noise added (sd 0.15 on unit vectors: a few
    # degrees, within the agreement under which a pixel takes the local average): smoothing
    # inside the band (wider than 6 px) must bring the angles much closer to 0.4.
    rng = np.random.default_rng(1)
    pairs = _pairs(0.4, (2, 64, 64)) + rng.normal(0, 0.15, (1, 2, 64, 64)).astype(np.float32)
    structure = np.zeros((1, 64, 64), np.float32)
    structure[0, 22:42] = 1.0
    raw = finish_prediction(pairs.copy(), structure, (1,), smooth=0).angles[0, 22:42]
    smooth = finish_prediction(pairs.copy(), structure, (1,), smooth=0.25).angles[0, 22:42]
    error = lambda a: np.abs(np.angle(np.exp(2j * (a - 0.4)))).mean() / 2  # noqa: E731
    assert error(smooth) < 0.3 * error(raw)


def test_class_probability_of_a_binary_and_a_multi_class_head():
    binary = np.array([[[0.2, 0.9]]])
    assert np.allclose(class_probability(binary, 1), [[0.2, 0.9]])
    assert np.allclose(class_probability(binary, 0), [[0.8, 0.1]])
    multi = np.array([[[0.1]], [[0.3]], [[0.6]]])
    assert class_probability(multi, 2)[0, 0] == pytest.approx(0.6)


def test_output_names_are_what_predict_writes_and_analyze_reads():
    from dense_direction.prediction import output_name

    assert output_name("a", "confidence") == "a_confidence.png"
    assert output_name("a", "angles", suffix=".npy") == "a_angles.npy"
    assert output_name("a", "overlay", class_id=2) == "a_overlay_class2.png"
    assert output_name("a", "confidence", class_id="*") == "a_confidence_class*.png"
    with pytest.raises(ValueError, match=r"kind must be one of .*got 'rose'"):
        output_name("a", "rose")


def test_the_class_tag_is_read_back_from_the_names_it_makes():
    from dense_direction.prediction import class_id_of, class_tag, output_name

    assert class_id_of(output_name("a_class", "confidence", class_id=12, suffix="")) == 12
    assert class_id_of("a" + class_tag(3)) == 3 and class_tag(None) == ""
    # no tag, a tag without digits, or nothing before it: no class
    for name in ("a_confidence", "a_confidence_classX", "_class2", "a_class"):
        assert class_id_of(name) is None


def test_a_run_record_with_malformed_direction_classes_is_an_error(tmp_path):
    from dense_direction.prediction import read_run_record

    for bad in ([], [1.0], "1", [True]):
        (tmp_path / "predict.json").write_text(json.dumps({"direction_classes": bad}))
        with pytest.raises(ValueError, match="direction_classes must be a list of class ids"):
            read_run_record(tmp_path)
