/*
 * kiln.cu: the one translation unit that kernels/build compiles, so that one fatbin
 * (native/cuda/kiln.fatbin) holds every kernel the CUDA backend looks up. Each included file is one
 * concern; the extern "C" kernels keep their plain names for cuModuleGetFunction.
 */
// defines: kiln_fill, kiln_gather, kiln_gather_one_hot
#include "memory.cu"
// defines: kiln_bias_activation, kiln_bias_softmax, kiln_activation_backward, kiln_softmax_backward, kiln_bias_grad
#include "dense.cu"
// defines: kiln_loss, kiln_count_correct
#include "loss.cu"
// defines: kiln_dropout_forward, kiln_dropout_backward
#include "dropout.cu"
// defines: kiln_sum_squares, kiln_reduce_finish
#include "reduce.cu"
// defines: kiln_sgemm_nn, kiln_sgemm_nt, kiln_sgemm_tn, kiln_sgemm_tt
#include "gemm.cu"
// defines: kiln_update_<rule> for every dev.kiln.backend.UpdateRule (the optimizer engineer's file)
#include "optim.cu"
