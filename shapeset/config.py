"""Shapeset-3x2 options, their documented defaults, and their validation.

Defaults follow the author's 2010 generator (`glorotxa/Shapeset`, `polygongen.py` with the
parameters of `examplecurripolygen.py`); see `../shared/paper/FACTS.md` section 2.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

# The author's label index order (FACTS section 2).
CLASS_NAMES: tuple[str, ...] = (
    "triangle",
    "parallelogram",
    "ellipse",
    "triangle + parallelogram",
    "parallelogram + ellipse",
    "triangle + ellipse",
    "two triangles",
    "two parallelograms",
    "two ellipses",
)
SHAPE_NAMES: tuple[str, ...] = ("triangle", "parallelogram", "ellipse")
# Vertices of the regular polygon each shape type starts from (the ellipse is a 20-gon).
SHAPE_VERTICES: tuple[int, ...] = (3, 4, 20)
SPLITS: tuple[str, ...] = ("train", "valid", "test")
PIXEL_RANGES: tuple[str, ...] = ("0..1", "-1..1")
FILLS: tuple[str, ...] = ("author", "centers")  # the rules of shapeset/raster.py
# 8-bit grey ranges: 0.45 * 255 and 0.55 * 255 truncated, as in the author's code.
DARK_GREYS: tuple[int, int] = (0, 114)
LIGHT_GREYS: tuple[int, int] = (140, 255)
MIN_IMAGE_SIZE = 8


@dataclass
class ShapesetConfig:
    """Every option of the generator; the defaults are Shapeset-3x2 as used in the paper."""

    image_size: int = 32  # pixels per side (the paper trains at 32; Fig. 1 shows 64)
    pixel_range: str = "0..1"  # "0..1" (the author's training config) or "-1..1"
    antialias: bool = False  # hard edges as in the author's images; True: 4x4 supersampling
    # Which pixels an object covers (shapeset/raster.py): "author" = as his pygame drew them,
    # "centers" = pixel centres inside. Decides the hard-edge image and the overlap rule.
    fill: str = "author"
    max_overlap: float = 0.5  # the 2nd object may cover at most this share of the 1st's pixels
    max_rejections: int = 50  # rejected placements of the 2nd object before it is dropped
    min_objects: int = 1
    max_objects: int = 2
    scale_min: float = 0.2  # each axis of an object is U(scale_min, scale_max) x image_size
    scale_max: float = 0.8
    margin: float = 1.0  # pixels kept free between every object and the image border
    rotation_steps: int = 255  # the final rotation is uniform on this many steps; 0 = continuous
    balanced: bool = False  # True: draw the label uniformly over the 9 classes first

    def __post_init__(self) -> None:
        validate(self)

    def to_dict(self) -> dict:
        return asdict(self)


def _fail(option: str, value: object, why: str) -> None:
    raise ValueError(f"shapeset option {option}={value!r}: {why}")


def validate(cfg: ShapesetConfig) -> ShapesetConfig:
    """Raise a ValueError naming the first bad option; return cfg unchanged otherwise."""
    if int(cfg.image_size) != cfg.image_size or cfg.image_size < MIN_IMAGE_SIZE:
        _fail("image_size", cfg.image_size, f"must be an integer >= {MIN_IMAGE_SIZE} pixels")
    if cfg.fill not in FILLS:
        _fail("fill", cfg.fill, f"must be one of {FILLS}")
    if cfg.pixel_range not in PIXEL_RANGES:
        _fail("pixel_range", cfg.pixel_range, f"must be one of {PIXEL_RANGES}")
    if not 0.0 <= cfg.max_overlap <= 1.0:
        _fail("max_overlap", cfg.max_overlap, "must lie in [0, 1]")
    if cfg.max_rejections < 1:
        _fail("max_rejections", cfg.max_rejections, "must be >= 1")
    if cfg.min_objects < 1:
        _fail("min_objects", cfg.min_objects, "an image holds at least 1 object")
    if cfg.max_objects > 2:
        _fail("max_objects", cfg.max_objects, "Shapeset-3x2 labels cover 1 or 2 objects")
    if cfg.min_objects > cfg.max_objects:
        _fail("min_objects", cfg.min_objects, f"is above max_objects={cfg.max_objects}")
    if cfg.balanced and (cfg.min_objects, cfg.max_objects) != (1, 2):
        _fail("balanced", cfg.balanced, "needs min_objects=1 and max_objects=2 (all 9 classes)")
    if not 0.0 < cfg.scale_min:
        _fail("scale_min", cfg.scale_min, "must be > 0")
    if cfg.scale_min > cfg.scale_max:
        _fail("scale_min", cfg.scale_min, f"is above scale_max={cfg.scale_max}")
    if cfg.margin < 0:
        _fail("margin", cfg.margin, "must be >= 0")
    room = cfg.image_size - 2 * cfg.margin
    if cfg.scale_max * cfg.image_size > room:
        _fail(
            "scale_max",
            cfg.scale_max,
            f"an object up to {cfg.scale_max * cfg.image_size:g} px wide does not fit in the "
            f"{room:g} px inside the margin of a {cfg.image_size}-px image",
        )
    if cfg.rotation_steps < 0:
        _fail("rotation_steps", cfg.rotation_steps, "must be >= 0 (0 = continuous)")
    return cfg


def check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"unknown shapeset split {split!r}: choose one of {SPLITS}")
    return split


def label_of(types: tuple[int, ...]) -> int:
    """The author's class index for the unordered set of drawn shape types."""
    if len(types) == 1:
        return types[0]
    a, b = sorted(types)
    if a == b:
        return 6 + a
    return {(0, 1): 3, (1, 2): 4, (0, 2): 5}[(a, b)]
