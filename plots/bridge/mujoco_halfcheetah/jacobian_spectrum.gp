# jacobian_spectrum.gp — written by stackelberg; data in jacobian_spectrum.dat.
# Render: gnuplot jacobian_spectrum.gp            (PNG)
#         gnuplot -e "fmt='svg'" jacobian_spectrum.gp   (SVG)
if (!exists("fmt")) fmt = "png"
if (fmt eq "svg") {
    set terminal svg size 760,508 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output "jacobian_spectrum.svg"
} else {
    set terminal pngcairo size 760,508 enhanced font "Helvetica,11" background rgb "white"
    set output "jacobian_spectrum.png"
}
datafile = "jacobian_spectrum.dat"
set encoding utf8
set multiplot title "Leading eigenvalues λ of the Jacobians of the individual-play field ω = (∇₁f₁, ∇₂f₂)\n(circles) and of the regularized Stackelberg field (Df₁, ∇₂f₂), λ = 0.1 (triangles),\ncoloured by environment step: Re λ > 0 contracts under the negated field, Im λ ≠ 0 rotates" font ",12"
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
set offsets 0, 0, 0, 0
set key default
set key bmargin center horizontal font ",9" samplen 2.5 spacing 1.1 width 1 height 1.5
set grid
set origin 0.13157894736842105, 0.023622047244094488
set size noratio 0.7368421052631579, 0.8267716535433071
set title "sac-individual (seed 0)\nmedian |Im|/|Re| of eig1: individual 0, regularized Stackelberg 0" font ",10"
set xlabel "Re λ"
set ylabel "Im λ"
set xzeroaxis lt 1 lc rgb '#888888'
set yzeroaxis lt 1 lc rgb '#888888'
set palette rgb 33,13,10
set cbrange [1000.0:50000.0]
set colorbox
set cblabel "environment step"
set format cb "%.1s%c"
set format x "%.0s%c"
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
plot datafile index 0 using 1:2:3 with points pt 9 ps 1.0 lc palette title "regularized Stackelberg (λ = 0.1): eig1", \
     datafile index 1 using 1:2:3 with points pt 8 ps 0.8 lc palette title "regularized Stackelberg (λ = 0.1): eig2, …", \
     datafile index 2 using 1:2:3 with points pt 8 ps 0.8 lc palette notitle, \
     datafile index 3 using 1:2:3 with points pt 8 ps 0.8 lc palette notitle, \
     datafile index 4 using 1:2:3 with points pt 7 ps 0.8 lc palette title "individual: eig1", \
     datafile index 5 using 1:2:3 with points pt 6 ps 0.6 lc palette title "individual: eig2, …", \
     datafile index 6 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle, \
     datafile index 7 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle
unset multiplot

unset output
