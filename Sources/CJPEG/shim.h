#ifndef VTFUSION_CJPEG_SHIM_H
#define VTFUSION_CJPEG_SHIM_H
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

/* libjpeg reports fatal errors through error_exit, which must not return. Swift cannot unwind through
 * longjmp, so the whole decode runs in these C functions: setjmp/longjmp never cross a Swift frame.
 * Every function returns 0 on success, or a non-zero code with a message in `msg` (>= 200 bytes).
 * A premature end of data (libjpeg's JWRN_JPEG_EOF warning, normally padded with grey) is an error. */

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} vtf_jpeg_error_mgr;

static void vtf_jpeg_error_exit(j_common_ptr cinfo) {
    vtf_jpeg_error_mgr *e = (vtf_jpeg_error_mgr *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->message);
    longjmp(e->jump, 1);
}

static void vtf_jpeg_emit_message(j_common_ptr cinfo, int level) {
    vtf_jpeg_error_mgr *e = (vtf_jpeg_error_mgr *)cinfo->err;
    if (level < 0) {
        cinfo->err->num_warnings++;
        if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
            (*cinfo->err->format_message)(cinfo, e->message);
            longjmp(e->jump, 2);
        }
    }
}

static void vtf_jpeg_copy_message(const vtf_jpeg_error_mgr *e, char *msg) {
    strncpy(msg, e->message, 199);
    msg[199] = 0;
}

/* Reads the header. `components` is the number of output channels (1 gray, 3 colour); returns 3 for an
 * unsupported colour space (CMYK/YCCK). */
static inline int vtf_jpeg_read_header(const unsigned char *data, unsigned long size, int *width, int *height,
                                       int *components, int *progressive, char *msg) {
    struct jpeg_decompress_struct cinfo;
    vtf_jpeg_error_mgr jerr;
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = vtf_jpeg_error_exit;
    jerr.pub.emit_message = vtf_jpeg_emit_message;
    jerr.message[0] = 0;
    if (setjmp(jerr.jump)) {
        vtf_jpeg_copy_message(&jerr, msg);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    *width = (int)cinfo.image_width;
    *height = (int)cinfo.image_height;
    *progressive = cinfo.progressive_mode ? 1 : 0;
    int rc = 0;
    if (cinfo.jpeg_color_space == JCS_GRAYSCALE) {
        *components = 1;
    } else if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        *components = 4;
        strcpy(msg, "CMYK/YCCK JPEG is not supported");
        rc = 3;
    } else {
        *components = 3;
    }
    jpeg_destroy_decompress(&cinfo);
    return rc;
}

/* Decodes into `out` (height * width * components bytes, components 1 or 3), libjpeg defaults
 * (islow DCT, fancy upsampling) like Pillow. */
static inline int vtf_jpeg_decode(const unsigned char *data, unsigned long size, unsigned char *out,
                                  unsigned long out_size, int components, char *msg) {
    struct jpeg_decompress_struct cinfo;
    vtf_jpeg_error_mgr jerr;
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = vtf_jpeg_error_exit;
    jerr.pub.emit_message = vtf_jpeg_emit_message;
    jerr.message[0] = 0;
    if (setjmp(jerr.jump)) {
        vtf_jpeg_copy_message(&jerr, msg);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    unsigned long stride = (unsigned long)cinfo.output_width * (unsigned long)cinfo.output_components;
    if (cinfo.output_components != components || stride * cinfo.output_height > out_size) {
        strcpy(msg, "decoded size does not match the header");
        jpeg_destroy_decompress(&cinfo);
        return 2;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out + (unsigned long)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

#endif
