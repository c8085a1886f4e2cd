#ifndef VTFUSION_CPNG_SHIM_H
#define VTFUSION_CPNG_SHIM_H
#include <png.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>

/* libpng's classic API reports errors by longjmp. Swift cannot unwind through longjmp, so the whole
 * read/write runs in these C functions (setjmp/longjmp never cross a Swift frame). Each returns 0 on
 * success or non-zero with a message in `msg` (>= 200 bytes). */

typedef struct {
    jmp_buf jump;
    char message[200];
    const unsigned char *data;
    size_t size;
    size_t pos;
} vtf_png_ctx;

static void vtf_png_error_fn(png_structp png, png_const_charp text) {
    vtf_png_ctx *ctx = (vtf_png_ctx *)png_get_error_ptr(png);
    strncpy(ctx->message, text ? text : "libpng error", 199);
    ctx->message[199] = 0;
    longjmp(ctx->jump, 1);
}

static void vtf_png_warning_fn(png_structp png, png_const_charp text) { (void)png; (void)text; }

static void vtf_png_read_fn(png_structp png, png_bytep out, size_t n) {
    vtf_png_ctx *ctx = (vtf_png_ctx *)png_get_io_ptr(png);
    if (ctx->pos + n > ctx->size) png_error(png, "unexpected end of file (truncated)");
    memcpy(out, ctx->data + ctx->pos, n);
    ctx->pos += n;
}

/* Applies the expansions used for decoding: palette -> RGB, gray 1/2/4 -> 8 bit, 16-bit to host
 * (little-endian) order, interlace handling. tRNS is not expanded to alpha (as Pillow's convert("RGB")). */
static int vtf_png_setup(png_structp png, png_infop info, int *passes) {
    png_read_info(png, info);
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) {
        const unsigned short probe = 1;
        if (*(const unsigned char *)&probe == 1) png_set_swap(png);
    }
    *passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    return depth == 16 ? 16 : 8;
}

/* Header: width, height, channels after expansion (1 gray, 2 gray+alpha, 3 RGB/palette, 4 RGBA),
 * output bit depth (8 or 16). */
static inline int vtf_png_read_header(const unsigned char *data, size_t size, int *width, int *height,
                                      int *channels, int *depth, char *msg) {
    vtf_png_ctx ctx;
    ctx.data = data; ctx.size = size; ctx.pos = 0; ctx.message[0] = 0;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, vtf_png_error_fn, vtf_png_warning_fn);
    if (!png) { strcpy(msg, "out of memory"); return 2; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_read_struct(&png, NULL, NULL); strcpy(msg, "out of memory"); return 2; }
    if (setjmp(ctx.jump)) {
        strcpy(msg, ctx.message);
        png_destroy_read_struct(&png, &info, NULL);
        return 1;
    }
    png_set_read_fn(png, &ctx, vtf_png_read_fn);
    png_read_info(png, info);
    *width = (int)png_get_image_width(png, info);
    *height = (int)png_get_image_height(png, info);
    int color = png_get_color_type(png, info);
    *depth = png_get_bit_depth(png, info) == 16 ? 16 : 8;
    *channels = color == PNG_COLOR_TYPE_GRAY ? 1 : color == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
              : color == PNG_COLOR_TYPE_RGB_ALPHA ? 4 : 3;
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

/* Decodes into `out`: height rows of `row_bytes` bytes (width * channels * depth/8). */
static inline int vtf_png_decode(const unsigned char *data, size_t size, unsigned char *out, size_t out_size,
                                 size_t row_bytes, char *msg) {
    vtf_png_ctx ctx;
    ctx.data = data; ctx.size = size; ctx.pos = 0; ctx.message[0] = 0;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, vtf_png_error_fn, vtf_png_warning_fn);
    if (!png) { strcpy(msg, "out of memory"); return 2; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_read_struct(&png, NULL, NULL); strcpy(msg, "out of memory"); return 2; }
    if (setjmp(ctx.jump)) {
        strcpy(msg, ctx.message);
        png_destroy_read_struct(&png, &info, NULL);
        return 1;
    }
    png_set_read_fn(png, &ctx, vtf_png_read_fn);
    int passes = 1;
    vtf_png_setup(png, info, &passes);
    png_uint_32 h = png_get_image_height(png, info);
    if (png_get_rowbytes(png, info) != row_bytes || (size_t)h * row_bytes > out_size) {
        strcpy(msg, "decoded size does not match the header");
        png_destroy_read_struct(&png, &info, NULL);
        return 2;
    }
    for (int p = 0; p < passes; p++)
        for (png_uint_32 y = 0; y < h; y++) png_read_row(png, out + (size_t)y * row_bytes, NULL);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

/* In-memory writer: grows a malloc'd buffer. */
typedef struct { unsigned char *buf; size_t len; size_t cap; int failed; } vtf_png_sink;

static void vtf_png_write_fn(png_structp png, png_bytep src, size_t n) {
    vtf_png_sink *s = (vtf_png_sink *)png_get_io_ptr(png);
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 65536;
        while (cap < s->len + n) cap *= 2;
        unsigned char *nb = (unsigned char *)realloc(s->buf, cap);
        if (!nb) { s->failed = 1; png_error(png, "out of memory"); }
        s->buf = nb; s->cap = cap;
    }
    memcpy(s->buf + s->len, src, n);
    s->len += n;
}
static void vtf_png_flush_fn(png_structp png) { (void)png; }

/* Encodes `pixels` (rows of width*channels samples; 16-bit samples in host order) as PNG into a malloc'd
 * buffer (*out, *out_len; caller frees with vtf_png_free). channels 1..4, depth 8 or 16. */
static inline int vtf_png_encode(const unsigned char *pixels, int width, int height, int channels, int depth,
                                 int compression, unsigned char **out, size_t *out_len, char *msg) {
    vtf_png_ctx ctx;
    ctx.message[0] = 0;
    vtf_png_sink sink = {0, 0, 0, 0};
    *out = 0; *out_len = 0;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, vtf_png_error_fn, vtf_png_warning_fn);
    if (!png) { strcpy(msg, "out of memory"); return 2; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_write_struct(&png, NULL); strcpy(msg, "out of memory"); return 2; }
    if (setjmp(ctx.jump)) {
        strcpy(msg, ctx.message);
        png_destroy_write_struct(&png, &info);
        free(sink.buf);
        return 1;
    }
    int color = channels == 1 ? PNG_COLOR_TYPE_GRAY : channels == 2 ? PNG_COLOR_TYPE_GRAY_ALPHA
              : channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGB_ALPHA;
    png_set_write_fn(png, &sink, vtf_png_write_fn, vtf_png_flush_fn);
    png_set_compression_level(png, compression);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, depth, color, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (depth == 16) {
        const unsigned short probe = 1;
        if (*(const unsigned char *)&probe == 1) png_set_swap(png);
    }
    size_t row_bytes = (size_t)width * (size_t)channels * (size_t)(depth / 8);
    for (int y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(pixels + (size_t)y * row_bytes));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    *out = sink.buf; *out_len = sink.len;
    return 0;
}

static inline void vtf_png_free(unsigned char *p) { free(p); }

#endif
