# error.gp — written by stackelberg; data in error.dat.
# Render: gnuplot error.gp            (PNG)
#         gnuplot -e "fmt='svg'" error.gp   (SVG)
if (!exists("fmt")) fmt = "png"
# The data is read from, and the figure written to, the script's own directory (ARG0 is the
# script's path as gnuplot was given it), whatever directory gnuplot runs in.
sb_dir = ""
sb_k = 0
if (exists("ARG0")) { sb_k = strlen(ARG0) }
while (sb_k > 0) { if (ARG0[sb_k:sb_k] eq "/") { sb_dir = ARG0[1:sb_k]; sb_k = 0 } else { sb_k = sb_k - 1 } }
if (fmt eq "svg") {
    set terminal svg size 900,600 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output sb_dir."error.svg"
} else {
    set terminal pngcairo size 900,600 enhanced font "Helvetica,11" background rgb "white"
    set output sb_dir."error.png"
}
datafile = sb_dir."error.dat"
set encoding utf8
set title "custom: error to the equilibrium z* = (0, 0)"
set xlabel "iteration"
set ylabel "‖z − z*‖²"
set logscale y
set format y "10^{%L}"
set grid
set key top right
plot datafile index 0 using 1:2 with lines lw 2 lc rgb '#1f77b4' title 'individual gradient', \
     datafile index 1 using 1:2 with lines lw 2 lc rgb '#d62728' title 'Stackelberg gradient', \
     datafile index 2 using 1:2 with lines lw 2 lc rgb '#2ca02c' title 'Stackelberg, λ = 0.04'
unset output
