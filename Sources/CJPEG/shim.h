#ifndef VTFUSION_CJPEG_SHIM_H
#define VTFUSION_CJPEG_SHIM_H
#include <stdio.h>
#include <stddef.h>
#include <jpeglib.h>
#endif
