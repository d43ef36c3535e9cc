#include "area_resize.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct { int di, si; float alpha; } tab_t;

/* OpenCV computeResizeAreaTab (cn = 1). Doubles for positions, float alpha. */
static int area_tab(int ssize, int dsize, double scale, tab_t *tab) {
  int k = 0;
  for (int dx = 0; dx < dsize; dx++) {
    double fsx1 = dx * scale;
    double fsx2 = fsx1 + scale;
    double cellWidth = scale < (ssize - fsx1) ? scale : (ssize - fsx1);
    int sx1 = (int)ceil(fsx1), sx2 = (int)floor(fsx2);
    if (sx2 > ssize - 1) sx2 = ssize - 1;
    if (sx1 > sx2) sx1 = sx2;
    if (sx1 - fsx1 > 1e-3) {
      tab[k].di = dx; tab[k].si = sx1 - 1;
      tab[k++].alpha = (float)((sx1 - fsx1) / cellWidth);
    }
    for (int sx = sx1; sx < sx2; sx++) {
      tab[k].di = dx; tab[k].si = sx;
      tab[k++].alpha = (float)(1.0 / cellWidth);
    }
    if (fsx2 - sx2 > 1e-3) {
      double w = fsx2 - sx2; if (w > 1.) w = 1.; if (w > cellWidth) w = cellWidth;
      tab[k].di = dx; tab[k].si = sx2;
      tab[k++].alpha = (float)(w / cellWidth);
    }
  }
  return k;
}

static uint8_t sat_u8(float v) {          /* cv::saturate_cast<uchar>(float) */
  int i = (int)lrintf(v);                 /* cvRound: round half to even */
  return (uint8_t)(i < 0 ? 0 : i > 255 ? 255 : i);
}

void area_resize_u8(const uint8_t *src, int sh, int sw, uint8_t *dst, int dh, int dw) {
  /* OpenCV: scale_x = 1/inv_scale_x, inv_scale_x = (double)dsize.width/ssize.width */
  double inv_sx = (double)dw / sw, inv_sy = (double)dh / sh;
  double scale_x = 1. / inv_sx, scale_y = 1. / inv_sy;
  tab_t *xtab = malloc(sizeof(tab_t) * sw * 2), *ytab = malloc(sizeof(tab_t) * sh * 2);
  int xn = area_tab(sw, dw, scale_x, xtab);
  int yn = area_tab(sh, dh, scale_y, ytab);
  float *buf = malloc(sizeof(float) * dw), *sum = malloc(sizeof(float) * dw);
  int prev_dy = ytab[0].di;
  for (int dx = 0; dx < dw; dx++) sum[dx] = 0.f;
  for (int j = 0; j < yn; j++) {
    float beta = ytab[j].alpha;
    int dy = ytab[j].di, sy = ytab[j].si;
    const uint8_t *S = src + (size_t)sy * sw;
    for (int dx = 0; dx < dw; dx++) buf[dx] = 0.f;
    for (int k = 0; k < xn; k++) buf[xtab[k].di] += S[xtab[k].si] * xtab[k].alpha;
    if (dy != prev_dy) {
      uint8_t *D = dst + (size_t)prev_dy * dw;
      for (int dx = 0; dx < dw; dx++) { D[dx] = sat_u8(sum[dx]); sum[dx] = beta * buf[dx]; }
      prev_dy = dy;
    } else {
      for (int dx = 0; dx < dw; dx++) sum[dx] += beta * buf[dx];
    }
  }
  uint8_t *D = dst + (size_t)prev_dy * dw;
  for (int dx = 0; dx < dw; dx++) D[dx] = sat_u8(sum[dx]);
  free(xtab); free(ytab); free(buf); free(sum);
}
