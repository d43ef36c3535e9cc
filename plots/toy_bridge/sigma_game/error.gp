# error.gp — written by stackelberg; data in error.dat.
# Render: gnuplot error.gp            (PNG)
#         gnuplot -e "fmt='svg'" error.gp   (SVG)
if (!exists("fmt")) fmt = "png"
if (fmt eq "svg") {
    set terminal svg size 900,600 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output "error.svg"
} else {
    set terminal pngcairo size 900,600 enhanced font "Helvetica,11" background rgb "white"
    set output "error.png"
}
datafile = "error.dat"
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
