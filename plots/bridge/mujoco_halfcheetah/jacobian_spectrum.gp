# jacobian_spectrum.gp — written by stackelberg; data in jacobian_spectrum.dat.
# Render: gnuplot jacobian_spectrum.gp            (PNG)
#         gnuplot -e "fmt='svg'" jacobian_spectrum.gp   (SVG)
if (!exists("fmt")) fmt = "png"
if (fmt eq "svg") {
    set terminal svg size 700,540 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output "jacobian_spectrum.svg"
} else {
    set terminal pngcairo size 700,540 enhanced font "Helvetica,11" background rgb "white"
    set output "jacobian_spectrum.png"
}
datafile = "jacobian_spectrum.dat"
set encoding utf8
set multiplot layout 1,1 columnsfirst title "leading eigenvalues of the Jacobian of the individual-play field (∇₁f₁, ∇₂f₂) (Arnoldi), coloured by environment step" font ",12"
set termoption noenhanced
unset logscale
unset nonlinear y
unset label
unset arrow
unset colorbox
unset xzeroaxis
unset yzeroaxis
set autoscale
set ytics auto
set y2tics auto
unset y2tics
set ytics mirror
unset xlabel
unset ylabel
unset cblabel
set format x "%.1s%c"
set format y "% h"
set size noratio
set offsets 0, 0, 0, 0
set key default
set key top right font ",8" samplen 2
set grid
set title "sac-individual (seed 0): median |Im|/|Re| of eig1 = 0" font ",10"
set xlabel "Re λ (> 0: contracting under −ω)"
set ylabel "Im λ (rotation)"
set xzeroaxis lt 1 lc rgb '#888888'
set yzeroaxis lt 1 lc rgb '#888888'
set palette rgb 33,13,10
set cbrange [1000.0:50000.0]
set colorbox
set cblabel "environment step"
set format cb "%.1s%c"
set format x "% h"
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
plot datafile index 0 using 1:2:3 with points pt 7 ps 0.7 lc palette title "eig1", \
     datafile index 1 using 1:2:3 with points pt 6 ps 0.5 lc palette title "eig2…", \
     datafile index 2 using 1:2:3 with points pt 6 ps 0.5 lc palette notitle, \
     datafile index 3 using 1:2:3 with points pt 6 ps 0.5 lc palette notitle
unset multiplot

unset output
