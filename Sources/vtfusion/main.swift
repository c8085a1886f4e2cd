import Tensor
print("vtfusion", BLAS.coreName)
