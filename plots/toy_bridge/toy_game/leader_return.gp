# leader_return.gp — written by stackelberg; data in leader_return.dat.
# Render: gnuplot leader_return.gp            (PNG)
#         gnuplot -e "fmt='svg'" leader_return.gp   (SVG)
if (!exists("fmt")) fmt = "png"
# The data is read from, and the figure written to, the script's own directory (ARG0 is the
# script's path as gnuplot was given it), whatever directory gnuplot runs in.
sb_dir = ""
sb_k = 0
if (exists("ARG0")) { sb_k = strlen(ARG0) }
while (sb_k > 0) { if (ARG0[sb_k:sb_k] eq "/") { sb_dir = ARG0[1:sb_k]; sb_k = 0 } else { sb_k = sb_k - 1 } }
if (fmt eq "svg") {
    set terminal svg size 900,600 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output sb_dir."leader_return.svg"
} else {
    set terminal pngcairo size 900,600 enhanced font "Helvetica,11" background rgb "white"
    set output sb_dir."leader_return.png"
}
datafile = sb_dir."leader_return.dat"
set encoding utf8
set title "stac: leader's return R(θ) = −θ²/5"
set xlabel "iteration"
set ylabel "return"
set grid
set key bottom right
plot datafile index 0 using 1:2 with lines lw 2 lc rgb '#1f77b4' title 'individual gradient', \
     datafile index 1 using 1:2 with lines lw 2 lc rgb '#d62728' title 'Stackelberg gradient', \
     datafile index 2 using 1:2 with lines lw 2 lc rgb '#2ca02c' title 'Stackelberg, λ = 0.04'
unset output
