# vector_fields.gp — written by stackelberg; data in vector_fields.dat.
# Render: gnuplot vector_fields.gp            (PNG)
#         gnuplot -e "fmt='svg'" vector_fields.gp   (SVG)
if (!exists("fmt")) fmt = "png"
# The data is read from, and the figure written to, the script's own directory (ARG0 is the
# script's path as gnuplot was given it), whatever directory gnuplot runs in.
sb_dir = ""
sb_k = 0
if (exists("ARG0")) { sb_k = strlen(ARG0) }
while (sb_k > 0) { if (ARG0[sb_k:sb_k] eq "/") { sb_dir = ARG0[1:sb_k]; sb_k = 0 } else { sb_k = sb_k - 1 } }
if (fmt eq "svg") {
    set terminal svg size 1560,520 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output sb_dir."vector_fields.svg"
} else {
    set terminal pngcairo size 1560,520 enhanced font "Helvetica,11" background rgb "white"
    set output sb_dir."vector_fields.png"
}
datafile = sb_dir."vector_fields.dat"
set encoding utf8
set multiplot layout 1,3 title "stac: vector fields and trajectories (leader theta, follower w)"
set size ratio -1
set xrange [-1.0:1.0]
set yrange [-1.0:1.0]
set xlabel "theta (leader)"
set ylabel "w (follower)"
set key off
set title "(a) individual gradient"
plot datafile index 0 using 1:2:3:4 with vectors head size 0.012,20 filled lc rgb '#9a9a9a', \
     datafile index 1 using 1:2 with lines lw 2 lc rgb '#1f77b4', \
     datafile index 2 using 1:2 with points pt 7 ps 0.8 lc rgb 'black'
set title "(b) Stackelberg gradient\n{/*0.8 undefined at 21 of 441 grid points (singular follower Hessian)}"
plot datafile index 3 using 1:2:3:4 with vectors head size 0.012,20 filled lc rgb '#9a9a9a', \
     datafile index 4 using 1:2 with lines lw 2 lc rgb '#d62728', \
     datafile index 5 using 1:2 with points pt 7 ps 0.8 lc rgb 'black'
set title "(c) Stackelberg, λ = 0.04"
plot datafile index 6 using 1:2:3:4 with vectors head size 0.012,20 filled lc rgb '#9a9a9a', \
     datafile index 7 using 1:2 with lines lw 2 lc rgb '#2ca02c', \
     datafile index 8 using 1:2 with points pt 7 ps 0.8 lc rgb 'black'
unset multiplot

unset output
