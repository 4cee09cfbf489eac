"""Every invalid option is refused with a ValueError that names it."""

import pytest

from shapeset import ShapesetConfig, ShapesetSet, ShapesetStream, generate


@pytest.mark.parametrize(
    "options,named",
    [
        ({"scale_min": 0.9, "scale_max": 0.8}, "scale_min"),
        ({"scale_min": 0.0}, "scale_min"),
        ({"scale_max": 0.99}, "scale_max"),  # does not fit inside the margin
        ({"max_overlap": 1.5}, "max_overlap"),
        ({"max_overlap": -0.1}, "max_overlap"),
        ({"min_objects": 0}, "min_objects"),
        ({"min_objects": 2, "max_objects": 1}, "min_objects"),
        ({"max_objects": 3}, "max_objects"),
        ({"image_size": 7}, "image_size"),
        ({"image_size": 8, "scale_max": 0.8}, "scale_max"),
        ({"pixel_range": "0..255"}, "pixel_range"),
        ({"fill": "edges"}, "fill"),
        ({"max_rejections": 0}, "max_rejections"),
        ({"margin": -1}, "margin"),
        ({"rotation_steps": -1}, "rotation_steps"),
        ({"balanced": True, "max_objects": 1}, "balanced"),
    ],
)
def test_invalid_option_is_named(options, named):
    with pytest.raises(ValueError, match=named):
        ShapesetConfig(**options)


def test_raster_refuses_an_unknown_fill_and_subsamples_of_the_authors():
    import numpy as np

    from shapeset import raster

    square = np.array([[[2.0, 2.0], [6.0, 2.0], [6.0, 6.0], [2.0, 6.0]]])
    with pytest.raises(ValueError, match="fill"):
        raster.polygon_spans(square, np.array([4]), 8, fill="edges")
    with pytest.raises(ValueError, match="sub"):
        raster.polygon_spans(square, np.array([4]), 8, sub=4, fill="author")


def test_smallest_image_is_accepted_with_objects_that_fit():
    cfg = ShapesetConfig(image_size=8, scale_max=0.75)
    assert generate(cfg, 0, "train", range(20)).images.shape == (20, 8, 8)


def test_unknown_split_and_bad_sizes_are_named():
    cfg = ShapesetConfig()
    with pytest.raises(ValueError, match="split"):
        generate(cfg, 0, "validation", [0])
    with pytest.raises(ValueError, match="split"):
        ShapesetSet(cfg, 0, "dev", 10)
    with pytest.raises(ValueError, match="batch_size"):
        ShapesetStream(cfg, 0, batch_size=0)
    with pytest.raises(ValueError, match="start"):
        ShapesetStream(cfg, 0, start=-5)
    with pytest.raises(ValueError, match="indices"):
        generate(cfg, 0, "train", [-1])
