/* Port of OpenCV's cv::resize(..., INTER_AREA) for 1-channel uint8 images
 * when downscaling by non-integer factors (the generic resizeArea path with
 * computeResizeAreaTab + ResizeArea_Invoker, float accumulators,
 * saturate_cast = round-half-even). 210x160 -> 84x84 takes this path
 * (scales 2.5 and 1.905 are not integers, so resizeAreaFast is not used).
 * Integer-factor downscales (e.g. 210x160 -> 105x80) take OpenCV's
 * resizeAreaFast path instead, which this does NOT reproduce. */
#ifndef AREA_RESIZE_H
#define AREA_RESIZE_H
#include <stdint.h>
void area_resize_u8(const uint8_t *src, int sh, int sw, uint8_t *dst, int dh, int dw);
#endif
