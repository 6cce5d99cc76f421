"""Smoothed centre-lines: straight lines, circles and semicircles measured on pixel paths."""

import math

import numpy as np
import pytest
from skimage.draw import line

from dense_direction.analysis.objects.centerline import (
    mean_curvature,
    polyline_length,
    smooth_centerline,
    tortuosity,
)
from dense_direction.analysis.objects.skeleton import skeleton_graph


def _line_path(angle_deg, length=150.0):
    a = math.radians(angle_deg)
    r0, c0 = 200, 200
    r1, c1 = round(r0 - length * math.sin(a)), round(c0 + length * math.cos(a))  # y up
    rows, cols = line(r0, c0, r1, c1)
    return np.stack((rows, cols), axis=1), math.hypot(r1 - r0, c1 - c0)


@pytest.mark.parametrize("angle", [0, 5, 17, 30, 45, 63, 90, 120, 150, 172])
def test_straight_line_at_any_angle(angle):
    path, true_length = _line_path(angle)
    smooth = smooth_centerline(path)
    # Straight: tortuosity 1 ± 0.02; length within 3 % (the pixel path at 30° is 7 % long).
    assert tortuosity(smooth) == pytest.approx(1.0, abs=0.02)
    assert polyline_length(smooth) == pytest.approx(true_length, rel=0.03)
    assert mean_curvature(smooth) < 0.01


def test_the_pixel_path_itself_would_be_seven_percent_long():
    # At 30° an 8-connected path has n cos30 straight+diagonal steps: length
    # n (1 - tan30 + sqrt2 tan30) cos30 / n = 1.0732 of the true length.
    path, true_length = _line_path(30)
    assert polyline_length(path.astype(float)) / true_length == pytest.approx(1.073, abs=0.005)


def _circle_path(radius):
    # One closed skeleton branch of a 1-px circle drawn from its equation.
    theta = np.linspace(0, 2 * math.pi, 4000)
    mask = np.zeros((2 * radius + 21, 2 * radius + 21), bool)
    centre = radius + 10
    mask[
        np.round(centre - radius * np.sin(theta)).astype(int),
        np.round(centre + radius * np.cos(theta)).astype(int),
    ] = True
    (branch,) = skeleton_graph(mask).branches
    return branch


@pytest.mark.parametrize("radius", [20, 35, 60])
def test_circle_curvature_is_one_over_radius(radius):
    branch = _circle_path(radius)
    assert branch.closed
    kappa = mean_curvature(smooth_centerline(branch.coords, closed=True), closed=True)
    assert kappa == pytest.approx(1 / radius, rel=0.05)


@pytest.mark.parametrize("radius", [20, 40])
def test_semicircle_tortuosity_is_half_pi(radius):
    # Half a circle: path π r over chord 2 r = π / 2.
    theta = np.linspace(0, math.pi, 4000)
    mask = np.zeros((radius + 21, 2 * radius + 21), bool)
    mask[
        np.round(radius + 10 - radius * np.sin(theta)).astype(int),
        np.round(radius + 10 + radius * np.cos(theta)).astype(int),
    ] = True
    (branch,) = skeleton_graph(mask).branches
    assert tortuosity(smooth_centerline(branch.coords)) == pytest.approx(math.pi / 2, rel=0.03)


def test_loops_have_no_tortuosity_and_short_paths_no_curvature():
    assert math.isnan(tortuosity(np.array([[0.0, 0.0], [0.0, 5.0], [0.0, 0.0]]), closed=True))
    assert math.isnan(mean_curvature(np.array([[0.0, 0.0], [0.0, 1.0]])))
