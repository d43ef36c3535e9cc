# spectrum_lambda.gp — written by stackelberg; data in spectrum_lambda.dat.
# Render: gnuplot spectrum_lambda.gp            (PNG)
#         gnuplot -e "fmt='svg'" spectrum_lambda.gp   (SVG)
if (!exists("fmt")) fmt = "png"
# The data is read from, and the figure written to, the script's own directory (ARG0 is the
# script's path as gnuplot was given it), whatever directory gnuplot runs in.
sb_dir = ""
sb_k = 0
if (exists("ARG0")) { sb_k = strlen(ARG0) }
while (sb_k > 0) { if (ARG0[sb_k:sb_k] eq "/") { sb_dir = ARG0[1:sb_k]; sb_k = 0 } else { sb_k = sb_k - 1 } }
if (fmt eq "svg") {
    set terminal svg size 1100,500 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output sb_dir."spectrum_lambda.svg"
} else {
    set terminal pngcairo size 1100,500 enhanced font "Helvetica,11" background rgb "white"
    set output sb_dir."spectrum_lambda.png"
}
datafile = sb_dir."spectrum_lambda.dat"
set encoding utf8
set multiplot layout 1,2 title "custom: spectrum of Dg for the regularized Stackelberg dynamic at z = (0, 0)"
set logscale x
set format x "10^{%L}"
set xlabel "λ"
set grid
set key center right opaque box font ",9"
set title "real parts (stable iff all > 0)"
plot datafile index 0 using 1:2 with linespoints pt 7 ps 0.5 lw 2 lc rgb '#1f77b4' title 'eigenvalue 1', \
     datafile index 0 using 1:3 with linespoints pt 7 ps 0.5 lw 2 lc rgb '#d62728' title 'eigenvalue 2', \
     datafile index 2 using 1:2 with lines dt 2 lw 1.5 lc rgb 'black' title 'Stackelberg (λ = 0)', \
     datafile index 3 using 1:2 with lines dt 3 lw 1.5 lc rgb '#777777' title 'individual (λ → ∞)'
set title "imaginary parts (rotation)"
plot datafile index 1 using 1:2 with linespoints pt 7 ps 0.5 lw 2 lc rgb '#1f77b4' title 'eigenvalue 1', \
     datafile index 1 using 1:3 with linespoints pt 7 ps 0.5 lw 2 lc rgb '#d62728' title 'eigenvalue 2', \
     datafile index 4 using 1:2 with lines dt 2 lw 1.5 lc rgb 'black' title 'Stackelberg (λ = 0)', \
     datafile index 5 using 1:2 with lines dt 3 lw 1.5 lc rgb '#777777' title 'individual (λ → ∞)'
unset multiplot
unset output
