"""Lesson 4's exercise: scale_gradient, an identity whose backward pass scales the cotangent.

Solution bodies use the lessons' two-space indentation: they are shown verbatim.
"""

from .checking import Exercise, check_vjp_pair


def scale_gradient(s, x):
    return x


def solution():
  def scale_gradient_fwd(s, x):
    return x, s

  def scale_gradient_bwd(s, g):
    return (None, s * g)

  answer = (scale_gradient_fwd, scale_gradient_bwd)
  return answer


def check(answer, reference) -> str:
    return check_vjp_pair(answer, scale_gradient, reference,
                          [(0.5, 3.0), (-1.0, 2.0), (2.0, -1.0)], cotangents=[1.0, -2.5])


EXERCISES = (
    Exercise(
        id="04_scale_gradient", kind="vjp_pair",
        lesson="04_gradient_clipping", section="An identity function whose backward pass clips",
        asks_for="the pair (scale_gradient_fwd, scale_gradient_bwd) for scale_gradient(s, x) = "
                 "x, whose backward pass multiplies the cotangent by s (and gives s no "
                 "cotangent)",
        solution=solution, checker=check),
)
