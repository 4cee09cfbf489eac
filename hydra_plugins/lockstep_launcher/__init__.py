"""`hydra/launcher=lockstep`: a sweep's compatible jobs trained as stacks of nets in one
process (experiments/engine.py). Found by Hydra as a plugin of the `hydra_plugins`
namespace package."""
