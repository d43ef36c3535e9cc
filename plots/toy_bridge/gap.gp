# gap.gp — written by notebooks/toy_bridge.ipynb; data in gap.dat.
set terminal pngcairo size 900,480 enhanced font "Helvetica,11" background rgb "white"
set output "gap.png"
set encoding utf8
set title "distance of the mean learned path (4 seeds, 4096 samples per update) from the symbolic iteration"
set xlabel "update k"
set ylabel "‖(θ_k, w_k) − iteration_k‖"
set logscale y
set format y "10^{%T}"
set yrange [1e-5:1]
set key at graph 0.98, graph 0.62 right box opaque
plot "gap.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "AC vs σ-game", \
     "gap.dat" index 0 using 1:3 with lines lw 2 dt 2 lc rgb "#1f77b4" title "AC vs toy (σ → 0)", \
     "gap.dat" index 1 using 1:2 with lines lw 2 lc rgb "#d62728" title "STAC vs σ-game", \
     "gap.dat" index 1 using 1:3 with lines lw 2 dt 2 lc rgb "#d62728" title "STAC vs toy (σ → 0)"
