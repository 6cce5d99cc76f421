"""The estimator's contract with the network it is given: arguments checked with messages
that name them, outputs of the wrong shape refused, the caller's module left as it was."""

import numpy as np
import pytest
import torch

from dense_direction.inference import DirectionEstimator
from helpers import pixelwise_estimator

GOOD = dict(dir_classes=(1,), mean=(0, 0, 0), std=(255, 255, 255))


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        (dict(network=lambda x: x), TypeError, "network must be a torch.nn.Module"),
        (dict(dir_classes=1), ValueError, "dir_classes must be a non-empty sequence"),
        (dict(dir_classes=()), ValueError, "dir_classes must be a non-empty sequence"),
        (dict(mean=(0, 0)), ValueError, r"mean must be 3 finite numbers.*got \(0, 0\)"),
        (dict(std=(0, 1, 1)), ValueError, r"std must be 3 numbers > 0.*got \(0, 1, 1\)"),
        (dict(std=(1, 1, float("nan"))), ValueError, "std must be 3 numbers > 0"),
        (dict(seg_channels=-1), ValueError, "seg_channels must be an integer >= 0, got -1"),
        (dict(divisor=0), ValueError, "divisor must be an integer >= 1, got 0"),
        # A binary head's one channel is label 1's probability: class 5 would get 1 - p.
        (
            dict(dir_classes=(5,), seg_channels=1),
            ValueError,
            r"dir_classes must be among 0 and 1 with a binary structure head.*got \(5,\)",
        ),
        # Three channels are labels 0-2: class 3 has none (an IndexError mid-prediction).
        (
            dict(dir_classes=(1, 3), seg_channels=3),
            ValueError,
            r"dir_classes must be labels 0 to 2.*seg_channels=3\), got \(1, 3\)",
        ),
    ],
)
def test_arguments_that_cannot_be_right_are_named(changes, error, message):
    arguments = {**GOOD, "network": torch.nn.Conv2d(3, 2, 1), **changes}
    network = arguments.pop("network")
    with pytest.raises(error, match=message):
        DirectionEstimator(network, **arguments)


@pytest.mark.parametrize(
    ("network", "seg_channels", "got"),
    [
        # One channel where a direction class needs two (x, y): it used to be broadcast
        # into both, a meaningless field without an error.
        (torch.nn.Conv2d(3, 1, 1), 0, r"\(1, 1, 32, 32\)"),
        (torch.nn.Conv2d(3, 2, 1), 1, r"\(1, 2, 32, 32\)"),
        # Global pooling: one value per image, which used to become a constant field.
        (torch.nn.Sequential(torch.nn.Conv2d(3, 2, 1), torch.nn.AdaptiveAvgPool2d(1)), 0, ""),
    ],
)
def test_outputs_of_the_wrong_shape_are_refused(network, seg_channels, got):
    estimator = DirectionEstimator(network, seg_channels=seg_channels, divisor=1, **GOOD)
    with pytest.raises(ValueError, match=rf"the network returned {got}.*seg_channels="):
        estimator.predict(np.zeros((32, 32, 3), np.uint8), tta=False, border=0)


def test_the_callers_module_keeps_its_mode_and_layout():
    # Someone validating with the estimator inside their own training loop must not find
    # their network switched to evaluation mode (batch norms frozen) behind their back.
    network = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3, padding=1), torch.nn.BatchNorm2d(2))
    network.train()
    estimator = DirectionEstimator(network, divisor=1, **GOOD)
    assert network.training and estimator.model is not network
    assert network[0].weight.is_contiguous()  # not re-laid out channels-last
    assert not estimator.model.training


def test_pixels_without_a_value_get_no_direction():
    # A field and a confidence defined everywhere: only the marking leaves pixels without.
    estimator = pixelwise_estimator(constant=True)
    image = np.full((24, 20), 0.5, np.float32)
    image[::2] += 0.25  # some contrast
    image[3, 4] = np.nan
    image[10, 11] = np.inf
    with pytest.warns(UserWarning, match="2 of 480 pixels"):
        result = estimator.predict(image, tta=False, smooth=0)
    empty = np.zeros((24, 20), bool)
    empty[3, 4] = empty[10, 11] = True
    assert np.isnan(result.angles[0][empty]).all() and np.isfinite(result.angles[0][~empty]).all()
    assert (result.confidence[0][empty] == 0).all() and (result.confidence[0][~empty] > 0).all()
    assert (result.structure[0][empty] == 0).all()
    # ``missing`` marks pixels of an image read beforehand (predict's reader), with any found.
    given = np.zeros((24, 20), bool)
    given[0, 0] = True
    with pytest.warns(UserWarning, match="2 of 480 pixels"):
        both = estimator.predict(image, tta=False, smooth=0, missing=given)
    assert np.array_equal(np.isnan(both.angles[0]), empty | given)
    wrong = r"missing must be an \(H, W\) mask .*\(24, 20\), got \(3,\)"
    with pytest.raises(ValueError, match=wrong):
        estimator.predict(np.zeros((24, 20, 3), np.uint8), tta=False, missing=np.zeros(3, bool))


def test_settings_a_direction_only_model_cannot_use_are_named_as_given():
    # From the command line the message named the API's arguments ("scales=[1.0, 0.5] ... use
    # scales=(1,)") for what the user typed as --scales 1 0.5.
    estimator = DirectionEstimator(torch.nn.Conv2d(3, 2, 1), **GOOD, seg_channels=0)
    with pytest.raises(ValueError, match=r"^--scales 1 0\.5 needs .* use --scales 1$"):
        estimator.check_scales([1, 0.5], "--scales")
    with pytest.raises(ValueError, match=r"^--smooth 0\.3 needs .* use --smooth 0$"):
        estimator.check_smooth(0.3, "--smooth")
    with pytest.raises(ValueError, match=r"^scales=\[1\.0, 0\.5\] needs .* use scales=\(1,\)$"):
        estimator.check_scales((1, 0.5))
    with pytest.raises(ValueError, match=r"^smooth=0\.3 needs .* use smooth=0$"):
        estimator.check_smooth(0.3)


@pytest.mark.parametrize("shape", [(1, 7), (7, 1), (1, 1)])
def test_an_image_one_pixel_high_or_wide_is_predicted(shape):
    # Its turned test-time copies are views with a negative stride along the axis of length
    # 1, which numpy calls contiguous and torch refused ("at least one stride ... negative").
    # A pixelwise network gives each pixel what it gives that pixel in a larger image: the
    # same row (or column) repeated.
    estimator = pixelwise_estimator()
    image = np.random.default_rng(1).integers(0, 256, (*shape, 3), np.uint8)
    axis = 0 if shape[0] == 1 else 1
    thin = estimator.predict(image, tta=8, border=0)
    thick = estimator.predict(np.repeat(image, 3, axis=axis), tta=8, border=0)
    first = (slice(None), slice(0, shape[0]), slice(0, shape[1]))
    np.testing.assert_allclose(thin.angles, thick.angles[first], atol=1e-5)
    np.testing.assert_allclose(thin.confidence, thick.confidence[first], atol=1e-5)


def test_numpy_arguments_are_taken_as_their_values():
    # mean/std/dir_classes as NumPy arrays were refused ("mean must be 3 finite numbers ...
    # got array([...])"); dir_classes become Python ints (predict.json is JSON).
    network = torch.nn.Conv2d(3, 3, 1)
    arrays = DirectionEstimator(
        network,
        dir_classes=np.array([1]),
        mean=np.array([123.675, 116.28, 103.53]),
        std=np.array([58.4, 57.1, 57.4]),
        seg_channels=1,
    )
    plain = DirectionEstimator(
        network, dir_classes=(1,), mean=(123.675, 116.28, 103.53), std=(58.4, 57.1, 57.4),
        seg_channels=1,
    )  # fmt: skip
    assert arrays.dir_classes == (1,) and type(arrays.dir_classes[0]) is int
    assert torch.equal(arrays.mean, plain.mean) and torch.equal(arrays.std, plain.std)


def test_no_image_is_named_as_none():
    with pytest.raises(TypeError, match=r"image must be a file path or an .* array, got None"):
        pixelwise_estimator().predict(None)
