#ifndef VTFUSION_CPNG_SHIM_H
#define VTFUSION_CPNG_SHIM_H
#include <png.h>
#endif
