import math

import pytest
import torch

from dense_direction.directions import (
    angles_to_vectors,
    angular_difference,
    vectors_to_angles,
    wrap_angle,
)


@pytest.mark.parametrize(
    ("vector", "angle"),
    [
        # theta = ((atan2(y, x) + pi) / 2) mod pi, worked by hand:
        ((-1.0, 0.0), 0.0),  # atan2(0, -1) = pi -> (2 pi / 2) mod pi = 0
        ((0.0, -1.0), math.pi / 4),  # atan2(-1, 0) = -pi/2 -> (pi/2) / 2
        ((1.0, 0.0), math.pi / 2),  # atan2(0, 1) = 0 -> pi / 2
        ((0.0, 1.0), 3 * math.pi / 4),  # atan2(1, 0) = pi/2 -> (3 pi / 2) / 2
        ((-2.0, 0.0), 0.0),  # magnitude does not matter
    ],
)
def test_vectors_to_angles_known_values(vector, angle):
    field = torch.tensor(vector).view(2, 1, 1)
    assert vectors_to_angles(field).item() == pytest.approx(angle, abs=1e-7)


def test_round_trip_over_the_half_circle():
    angles = torch.linspace(0, math.pi, 181, dtype=torch.float64)[:-1].view(1, 1, 12, 15)
    vectors = angles_to_vectors(angles)
    assert vectors.shape == (1, 1, 2, 12, 15)
    assert torch.allclose(vectors_to_angles(vectors), angles, atol=1e-12)


def test_vector_axis_can_be_chosen():
    angles = torch.tensor([0.3, 1.2])
    vectors = angles_to_vectors(angles, dim=-1)
    assert vectors.shape == (2, 2)
    assert torch.allclose(vectors_to_angles(vectors, dim=-1), angles)


def test_opposite_directions_share_a_vector():
    angles = torch.tensor([0.4, 0.4 + math.pi])
    vectors = angles_to_vectors(angles, dim=0)
    assert torch.allclose(vectors[:, 0], vectors[:, 1], atol=1e-6)


def test_wrap_angle_lands_in_half_open_range():
    wrapped = wrap_angle(
        torch.tensor([-1e-9, math.pi, 2 * math.pi + 0.5, -0.5], dtype=torch.float64)
    )
    assert torch.all((wrapped >= 0) & (wrapped < math.pi))
    assert wrapped[2].item() == pytest.approx(0.5)
    assert wrapped[3].item() == pytest.approx(math.pi - 0.5)


def test_angular_difference_is_modulo_pi():
    a = torch.tensor([0.05, 1.0, 0.0])
    b = torch.tensor([math.pi - 0.05, 1.0 + math.pi, math.pi / 2])
    assert torch.allclose(
        angular_difference(a, b), torch.tensor([0.1, 0.0, math.pi / 2]), atol=1e-6
    )


def test_bad_vector_axis_says_expected_and_got():
    with pytest.raises(ValueError, match=r"size 2 at dim=-3.*got shape \(1, 3, 4, 4\)"):
        vectors_to_angles(torch.zeros(1, 3, 4, 4))
    with pytest.raises(TypeError, match=r"torch\.Tensor"):
        vectors_to_angles([[1.0, 0.0]])


def test_too_few_axes_for_the_vector_axis_say_so():
    # Both raised IndexError: vectors_to_angles from inside its own shape check.
    with pytest.raises(ValueError, match=r"size 2 at dim=-3.*got shape \(2,\)"):
        vectors_to_angles(torch.zeros(2))
    with pytest.raises(ValueError, match=r"dim=-3 is no place .* shape \(5,\).*dim=-1 puts it"):
        angles_to_vectors(torch.zeros(5))
    assert angles_to_vectors(torch.zeros(5), dim=-1).shape == (5, 2)
