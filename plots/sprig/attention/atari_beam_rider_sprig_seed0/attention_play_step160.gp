# attention_play_step160.gp — written by stackelberg; data in attention_play_step160.dat.
# Render: gnuplot attention_play_step160.gp            (PNG)
#         gnuplot -e "fmt='svg'" attention_play_step160.gp   (SVG)
if (!exists("fmt")) fmt = "png"
# The data is read from, and the figure written to, the script's own directory (ARG0 is the
# script's path as gnuplot was given it), whatever directory gnuplot runs in.
sb_dir = ""
sb_k = 0
if (exists("ARG0")) { sb_k = strlen(ARG0) }
while (sb_k > 0) { if (ARG0[sb_k:sb_k] eq "/") { sb_dir = ARG0[1:sb_k]; sb_k = 0 } else { sb_k = sb_k - 1 } }
if (fmt eq "svg") {
    set terminal svg size 1260,1770 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output sb_dir."attention_play_step160.svg"
} else {
    set terminal pngcairo size 1260,1770 enhanced font "Helvetica,11" background rgb "white"
    set output sb_dir."attention_play_step160.png"
}
datafile = sb_dir."attention_play_step160.dat"
set encoding utf8
set termoption noenhanced
set multiplot layout 5,3 title "atari/beam_rider · SPRIG (perception module leads) · run seed 0 · checkpoint after 2,000,896 env steps of training\ngreedy play from reset seed 0: play step 160 of 400 · attention panels: mean over 2 heads, one colour range [0, 0.133] for all\nstem cell (i, j) sees the 20×20-pixel square from pixel (8i, 8j) (8×8 stride 4, then 4×4 stride 2)" font ",11"
set size ratio -1
set yrange [*:*] reverse
set autoscale xfix
set autoscale yfix
unset key
set tics font ",8"
set cbtics font ",8"
set xlabel font ",9"
set ylabel font ",9"
set cblabel font ",9"
set title "frame t−3 (grey), attention over it (red)" font ",10"
set palette gray
set cbrange [0:255]
set cbtics autofreq
set cblabel "grey 0–255; red: attention per pixel, 78% opaque at 0.00112"
set xlabel "column (pixel)"
set ylabel "row (pixel)"
set xtics autofreq
set ytics autofreq
plot datafile index 0 matrix with image, datafile index 1 matrix using 1:2:(227):(26):(28):(200 * $3 / 0.0011201801) with rgbalpha
set title "attention received, t−3 (mean over 2 heads)" font ",10"
set palette defined (0 'white', 0.35 '#fdbb84', 0.7 '#e34a33', 1 '#7f0000')
set cbrange [0:0.13300374]
set cbtics autofreq
set cblabel "uniform level 1/81 = 0.0123"
set xlabel "stem cell column"
set ylabel "stem cell row"
set xtics 1
set ytics 1
plot datafile index 2 matrix with image
set title "cell gates, t−3" font ",10"
set palette defined (0 'white', 1 '#08519c')
set cbrange [0:1]
set cbtics autofreq
set cblabel "0 closed, 1 open"
set xlabel "stem cell column"
set ylabel "stem cell row"
set xtics 1
set ytics 1
plot datafile index 3 matrix with image
set title "frame t−2 (grey), attention over it (red)" font ",10"
set palette gray
set cbrange [0:255]
set cbtics autofreq
set cblabel "grey 0–255; red: attention per pixel, 78% opaque at 0.00112"
set xlabel "column (pixel)"
set ylabel "row (pixel)"
set xtics autofreq
set ytics autofreq
plot datafile index 4 matrix with image, datafile index 5 matrix using 1:2:(227):(26):(28):(200 * $3 / 0.0011201801) with rgbalpha
set title "attention received, t−2 (mean over 2 heads)" font ",10"
set palette defined (0 'white', 0.35 '#fdbb84', 0.7 '#e34a33', 1 '#7f0000')
set cbrange [0:0.13300374]
set cbtics autofreq
set cblabel "uniform level 1/81 = 0.0123"
set xlabel "stem cell column"
set ylabel "stem cell row"
set xtics 1
set ytics 1
plot datafile index 6 matrix with image
set title "cell gates, t−2" font ",10"
set palette defined (0 'white', 1 '#08519c')
set cbrange [0:1]
set cbtics autofreq
set cblabel "0 closed, 1 open"
set xlabel "stem cell column"
set ylabel "stem cell row"
set xtics 1
set ytics 1
plot datafile index 7 matrix with image
set title "frame t−1 (grey), attention over it (red)" font ",10"
set palette gray
set cbrange [0:255]
set cbtics autofreq
set cblabel "grey 0–255; red: attention per pixel, 78% opaque at 0.00112"
set xlabel "column (pixel)"
set ylabel "row (pixel)"
set xtics autofreq
set ytics autofreq
plot datafile index 8 matrix with image, datafile index 9 matrix using 1:2:(227):(26):(28):(200 * $3 / 0.0011201801) with rgbalpha
set title "attention received, t−1 (mean over 2 heads)" font ",10"
set palette defined (0 'white', 0.35 '#fdbb84', 0.7 '#e34a33', 1 '#7f0000')
set cbrange [0:0.13300374]
set cbtics autofreq
set cblabel "uniform level 1/81 = 0.0123"
set xlabel "stem cell column"
set ylabel "stem cell row"
set xtics 1
set ytics 1
plot datafile index 10 matrix with image
set title "cell gates, t−1" font ",10"
set palette defined (0 'white', 1 '#08519c')
set cbrange [0:1]
set cbtics autofreq
set cblabel "0 closed, 1 open"
set xlabel "stem cell column"
set ylabel "stem cell row"
set xtics 1
set ytics 1
plot datafile index 11 matrix with image
set title "frame t−0 (grey), attention over it (red)" font ",10"
set palette gray
set cbrange [0:255]
set cbtics autofreq
set cblabel "grey 0–255; red: attention per pixel, 78% opaque at 0.00112"
set xlabel "column (pixel)"
set ylabel "row (pixel)"
set xtics autofreq
set ytics autofreq
plot datafile index 12 matrix with image, datafile index 13 matrix using 1:2:(227):(26):(28):(200 * $3 / 0.0011201801) with rgbalpha
set title "attention received, t−0 (mean over 2 heads)" font ",10"
set palette defined (0 'white', 0.35 '#fdbb84', 0.7 '#e34a33', 1 '#7f0000')
set cbrange [0:0.13300374]
set cbtics autofreq
set cblabel "uniform level 1/81 = 0.0123"
set xlabel "stem cell column"
set ylabel "stem cell row"
set xtics 1
set ytics 1
plot datafile index 14 matrix with image
set title "cell gates, t−0" font ",10"
set palette defined (0 'white', 1 '#08519c')
set cbrange [0:1]
set cbtics autofreq
set cblabel "0 closed, 1 open"
set xlabel "stem cell column"
set ylabel "stem cell row"
set xtics 1
set ytics 1
plot datafile index 15 matrix with image
set title "temporal attention (mean over 2 heads)" font ",10"
set palette defined (0 'white', 1 '#54278f')
set cbrange [0:1]
set cbtics autofreq
set cblabel "weight (rows sum to 1; uniform 1/4 = 0.25)"
set xtics ("t−3" 0, "t−2" 1, "t−1" 2, "t−0" 3)
set ytics ("t−3" 0, "t−2" 1, "t−1" 2, "t−0" 3)
set xlabel "attended frame"
set ylabel "attending frame"
plot datafile index 16 matrix with image, datafile index 16 matrix using 1:2:(sprintf("%.2f", $3)) with labels font ",9"
unset multiplot

unset output
