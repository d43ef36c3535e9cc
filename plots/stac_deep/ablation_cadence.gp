# ablation_cadence.gp, written by notebooks/stac_deep.ipynb; data in ablation_cadence.dat.
set terminal pngcairo size 1660,540 enhanced font "Helvetica,11" background rgb "white"
set output "ablation_cadence.png"
set termoption noenhanced
set grid
set key top left font ",9"
set format x "%.0s%c"
# A collapsed run's returns (about 5) would lie on the x axis: keep the curves off the frame.
set offsets 0, 0, graph 0.03, graph 0.06
set xlabel "environment steps"
set ylabel "greedy evaluation return (10 episodes)"
set multiplot layout 1,3 title "STAC ablation cadence\nreruns with cadence (solid) against the same seed's runs they change (dashed)"
set title "hopper, DDPG, seed 0"
plot 'ablation_cadence.dat' index 0 using 1:2 with lines lw 2 dt 1 lc rgb '#1f77b4' title 'DDPG, rerun: cadence', 'ablation_cadence.dat' index 1 using 1:2 with lines lw 2 dt 1 lc rgb '#d62728' title 'STDDPG-AL, rerun: cadence', 'ablation_cadence.dat' index 2 using 1:2 with lines lw 2 dt 2 lc rgb '#1f77b4' title 'DDPG, read against: catch_up', 'ablation_cadence.dat' index 3 using 1:2 with lines lw 2 dt 2 lc rgb '#d62728' title 'STDDPG-AL, read against: catch_up'
set title "hopper, DDPG, seed 1"
plot 'ablation_cadence.dat' index 4 using 1:2 with lines lw 2 dt 1 lc rgb '#1f77b4' title 'DDPG, rerun: cadence', 'ablation_cadence.dat' index 5 using 1:2 with lines lw 2 dt 1 lc rgb '#d62728' title 'STDDPG-AL, rerun: cadence', 'ablation_cadence.dat' index 6 using 1:2 with lines lw 2 dt 2 lc rgb '#1f77b4' title 'DDPG, read against: catch_up', 'ablation_cadence.dat' index 7 using 1:2 with lines lw 2 dt 2 lc rgb '#d62728' title 'STDDPG-AL, read against: catch_up'
set title "hopper, DDPG, seed 2"
plot 'ablation_cadence.dat' index 8 using 1:2 with lines lw 2 dt 1 lc rgb '#1f77b4' title 'DDPG, rerun: cadence', 'ablation_cadence.dat' index 9 using 1:2 with lines lw 2 dt 1 lc rgb '#d62728' title 'STDDPG-AL, rerun: cadence', 'ablation_cadence.dat' index 10 using 1:2 with lines lw 2 dt 2 lc rgb '#1f77b4' title 'DDPG, read against: catch_up', 'ablation_cadence.dat' index 11 using 1:2 with lines lw 2 dt 2 lc rgb '#d62728' title 'STDDPG-AL, read against: catch_up'
unset multiplot
