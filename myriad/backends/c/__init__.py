"""What the C targets share: the generated translation unit (codegen), the C
compiler (toolchain) and the loaded library (library).  The openmp backend
compiles it with the C compiler; the cuda backend compiles the CUDA variant
of the same source with nvcc."""
