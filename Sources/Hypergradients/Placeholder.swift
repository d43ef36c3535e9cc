import Autodiff
